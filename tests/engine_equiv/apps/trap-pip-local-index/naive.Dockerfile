# The move a fixer that reads `--index-url` as a remote URL makes: /app/simple is not there yet.
FROM bkpython
WORKDIR /app
RUN pip install --index-url file:///app/simple flask
COPY . .
CMD ["python", "app.py"]
