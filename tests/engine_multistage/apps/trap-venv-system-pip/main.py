import flask
print("trap: system pip")
