# The move a fixer that compares paths as written makes: /srv/data/seed.txt is not there yet, so
# /seed-seen is empty.
FROM bkdebian
RUN cat /srv/data/seed.txt > /seed-seen || true
COPY app /opt/app/
COPY seed.txt /opt/app/data/seed.txt
CMD ["sh", "/opt/app/run.sh"]
