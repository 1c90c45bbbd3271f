import requests
import click
print("pipenv-bot: polling")
