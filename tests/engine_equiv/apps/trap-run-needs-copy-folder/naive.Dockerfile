# The move a fixer makes when it checks only the COPY's own paths: the RUN goes first and
# cannot create /home/dev/init.lisp.
FROM dockopt-fuzz/base:v1
RUN echo '(load "tool")' > /home/dev/init.lisp
COPY toolrc /home/dev/.toolrc
CMD ["cat", "/home/dev/init.lisp"]
