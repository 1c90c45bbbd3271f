FROM bkdebian
RUN touch -r /srv/extra.txt /stamp
COPY extra.txt /srv/extra.txt
CMD ["ls", "-l", "/stamp"]
