# The move a fixer that reads only the script makes: `app` is still the base image's uid 1000.
FROM bkdebian
USER app
RUN mkdir -p /tmp/work && touch /tmp/work/made
COPY passwd group /etc/
CMD ["ls", "-ln", "/tmp/work"]
