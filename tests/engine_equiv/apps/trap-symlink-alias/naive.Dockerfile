# The move a fixer that compares paths as written makes: /srv/app/app.conf is not there yet, so
# /conf-seen is empty.
FROM bkdebian
RUN mkdir -p /srv/app && ln -s /srv/app /app
RUN cat /srv/app/app.conf > /conf-seen || true
COPY app.conf /app/app.conf
COPY run.sh /app/run.sh
CMD ["sh", "/app/run.sh"]
