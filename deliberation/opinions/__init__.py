"""The opinion map in the app: votes read from the database, snapshots computed by the engine
(``voting.opinions``) outside requests, stored, and read by the pages."""
