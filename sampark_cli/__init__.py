"""`sampark`: the admin's command line for bulk imports and exports against a stage or the local
server. It speaks only the public HTTP API (login, /imports, /exports) and never imports the app."""
