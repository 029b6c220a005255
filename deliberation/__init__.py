"""The Palabre application: HTTP, SQL, sessions, users and languages around ``voting``."""
