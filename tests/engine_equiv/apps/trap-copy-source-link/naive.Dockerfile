# The move a fixer makes that takes the source for the link itself (/etc/app/conf): app.conf is
# not there yet, so /conf-seen is empty.
FROM bkdebian
RUN cat /etc/app/app.conf > /conf-seen || true
COPY conf /etc/app/
COPY run.sh /srv/run.sh
CMD ["sh", "/srv/run.sh"]
