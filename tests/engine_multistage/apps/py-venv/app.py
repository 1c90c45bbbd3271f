import flask
import psycopg2
print("venv-app: serving on 8000")
