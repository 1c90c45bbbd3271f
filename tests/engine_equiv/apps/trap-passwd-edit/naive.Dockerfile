# The move a fixer that knows only useradd/usermod as user-database changes makes: the COPY's
# files are uid 2000's.
FROM bkdebian
RUN sed -i 's/^app:x:1000:1000:/app:x:2000:2000:/' /etc/passwd
COPY --chown=app app.conf /srv/app/app.conf
CMD ["ls", "-ln", "/srv/app"]
