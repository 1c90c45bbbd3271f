from flask import Flask, flash, redirect, render_template, request, url_for
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config.from_object("project.config.Config")
db = SQLAlchemy(app)


class Contact(db.Model):
    __tablename__ = "contacts"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(128), nullable=False)
    email = db.Column(db.String(128), unique=True, nullable=False)
    phone = db.Column(db.String(32))

    def __repr__(self):
        return f"<Contact {self.name}>"


@app.route("/")
def index():
    contacts = Contact.query.order_by(Contact.name).all()
    return render_template("index.html", contacts=contacts)


@app.route("/add", methods=["POST"])
def add():
    name = request.form.get("name", "").strip()
    email = request.form.get("email", "").strip()
    phone = request.form.get("phone", "").strip()
    if not name or not email:
        flash("Name and email are required.")
        return redirect(url_for("index"))
    if Contact.query.filter_by(email=email).first():
        flash(f"{email} is already in the notebook.")
        return redirect(url_for("index"))
    db.session.add(Contact(name=name, email=email, phone=phone or None))
    db.session.commit()
    flash(f"Added {name}.")
    return redirect(url_for("index"))


@app.route("/delete/<int:contact_id>", methods=["POST"])
def delete(contact_id):
    contact = db.get_or_404(Contact, contact_id)
    db.session.delete(contact)
    db.session.commit()
    return redirect(url_for("index"))
