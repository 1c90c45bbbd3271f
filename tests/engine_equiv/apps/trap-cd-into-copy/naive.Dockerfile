# The move a fixer that ignores `cd` makes: /app does not exist yet, the build fails.
FROM bkpython
RUN cd /app && ls > /listing.txt
COPY . /app
RUN pip install flask
CMD ["python", "/app/app.py"]
