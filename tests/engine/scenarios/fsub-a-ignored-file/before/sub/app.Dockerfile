FROM bkbase
RUN echo fsub >/scen
COPY src/ /src
COPY . /all
RUN echo r
