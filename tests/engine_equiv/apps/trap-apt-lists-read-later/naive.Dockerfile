FROM bkdebian
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
ENV TOOL=git
RUN apt-get install -y --no-install-recommends git
