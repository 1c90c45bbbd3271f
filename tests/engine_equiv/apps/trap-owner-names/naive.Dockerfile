# The move a fixer that thinks `find` reads only the tree it walks makes: there is no user
# svc yet, and find fails.
FROM bkdebian
RUN find /tmp -user svc > /svc-files.txt
COPY etc/passwd /etc/passwd
CMD ["cat", "/svc-files.txt"]
