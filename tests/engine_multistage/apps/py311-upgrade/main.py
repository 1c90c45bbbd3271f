import click
import jinja2
print("reports: generated 3 reports")
