# The move a fixer that does not know the archive's links makes: /srv/data/seed.txt is not there
# yet, so /seed-seen is empty.
FROM bkdebian
RUN mkdir -p /tmp/t /opt/app && ln -s /srv/data /tmp/t/data && tar cf /tmp/t.tar -C /tmp/t data && tar xf /tmp/t.tar -C /opt/app && rm -rf /tmp/t /tmp/t.tar
RUN cat /srv/data/seed.txt > /seed-seen || true
COPY seed.txt /opt/app/data/seed.txt
COPY run.sh /opt/app/run.sh
CMD ["sh", "/opt/app/run.sh"]
