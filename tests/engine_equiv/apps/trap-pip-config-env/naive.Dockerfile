# The move a fixer without the effects model makes: pip then runs without PIP_CONFIG_FILE.
FROM dockopt-fuzz/base:v1
WORKDIR /app
ENV PIP_CONFIG_FILE=/app/pip.conf
RUN pip install flask
COPY . .
CMD ["python", "app.py"]
