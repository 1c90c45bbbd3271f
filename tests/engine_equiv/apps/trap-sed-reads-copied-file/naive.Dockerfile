FROM bkdebian
RUN echo MARK | sed '/MARK/r /srv/extra.txt' > /out.txt
COPY extra.txt /srv/extra.txt
CMD ["cat", "/out.txt"]
