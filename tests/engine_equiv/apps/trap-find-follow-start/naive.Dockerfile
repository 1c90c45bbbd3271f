FROM bkdebian
WORKDIR /w
RUN find -L /srv -type f > /found
COPY extra.txt /srv/extra.txt
CMD ["cat", "/found"]
