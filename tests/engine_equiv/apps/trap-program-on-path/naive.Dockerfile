# The move a fixer that checks only an ENV PATH makes: /usr/bin/go runs, and
# /go-version.txt does not say the pinned version.
FROM bkgo
RUN go version > /go-version.txt
COPY bin/ /usr/local/bin/
CMD ["cat", "/go-version.txt"]
