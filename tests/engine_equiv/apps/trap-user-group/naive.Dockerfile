# The move a fixer that takes USER 0:1000 for root makes: /srv is group 1000's.
FROM bkdebian
USER 0:1000
RUN mkdir -p /srv/logs
COPY app.conf /srv/app/app.conf
CMD ["cat", "/srv/app/app.conf"]
