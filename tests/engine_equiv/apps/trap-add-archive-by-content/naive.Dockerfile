FROM bkdebian
# bundle.data is a tar by its content: ADD unpacks it into /opt
COPY bundle.data /opt/
CMD ["cat", "/opt/conf/app.conf"]
