import flask
print("trap: debian python")
