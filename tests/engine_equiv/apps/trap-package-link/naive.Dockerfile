# The move a fixer that compares paths as written makes: the RUN reads the package's default.
FROM bkdebian
RUN apt-get update && apt-get install -y webconf
RUN cat /etc/web/available/default.conf > /site-seen
COPY site.conf /etc/web/enabled/default.conf
COPY run.sh /srv/run.sh
CMD ["sh", "/srv/run.sh"]
