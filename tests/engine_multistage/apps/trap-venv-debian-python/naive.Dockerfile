FROM python:3.11 AS builder
WORKDIR /app
RUN apt-get update && apt-get install -y python3-venv
RUN /usr/bin/python3 -m venv /opt/venv
COPY requirements.txt .
RUN /opt/venv/bin/pip install -r requirements.txt

FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .
CMD ["/opt/venv/bin/python", "main.py"]
