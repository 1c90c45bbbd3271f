# The move a fixer that reads only ENV's variables makes: /usr/bin/go runs, and
# /go-version.txt does not say the pinned version.
FROM bkgo
RUN export PATH=/opt/tools/bin:$PATH && go version > /go-version.txt
COPY tools/ /opt/tools/
COPY main.go /src/main.go
CMD ["cat", "/go-version.txt"]
