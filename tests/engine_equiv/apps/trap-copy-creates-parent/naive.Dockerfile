# The move a fixer that looks only at the paths the RUN writes makes: /srv/logs is not what
# the COPY writes, but /srv, which both create, is now root's.
FROM bkdebian
RUN mkdir -p /srv/logs
COPY --chown=1000:1000 app.conf /srv/app/app.conf
CMD ["cat", "/srv/app/app.conf"]
