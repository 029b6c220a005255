"""WTForms classes (Flask-WTF: every form carries a CSRF token), one module per audience."""
