# The move a fixer that reads only the paths commands name makes: the pattern matches
# nothing yet, and /plugins.txt lists the pattern itself.
FROM bkdebian
RUN for f in /opt/plugins/*; do echo "plugin $f"; done > /plugins.txt
COPY plugins/ /opt/plugins/
CMD ["cat", "/plugins.txt"]
