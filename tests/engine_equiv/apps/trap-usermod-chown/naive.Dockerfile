# The move a fixer that ignores the user database makes: the files get uid 2000, not 1000.
FROM dockopt-fuzz/base:v1
WORKDIR /app
RUN usermod -u 2000 app
COPY --chown=app . /app
CMD ["python", "app.py"]
