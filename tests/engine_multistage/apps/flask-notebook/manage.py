import flask
import psycopg2
print("flask-notebook: serving manage:app on 5555")
