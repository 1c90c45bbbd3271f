import flask
import psycopg2
print("pip-slim: 2 workers ready")
