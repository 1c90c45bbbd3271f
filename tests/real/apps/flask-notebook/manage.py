from flask.cli import FlaskGroup

from project import app, db, Contact

cli = FlaskGroup(app)


@cli.command("create_db")
def create_db():
    """Create the tables if they do not exist yet."""
    db.create_all()
    db.session.commit()


@cli.command("seed_db")
def seed_db():
    """Insert a couple of example contacts."""
    db.session.add(Contact(name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0018"))
    db.session.add(Contact(name="Grace Hopper", email="grace@example.com", phone="+1 202 555 0142"))
    db.session.commit()


if __name__ == "__main__":
    cli()
