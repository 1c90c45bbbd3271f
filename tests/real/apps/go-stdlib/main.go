package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "go-stdlib ok")
	})
	log.Fatal(http.ListenAndServe("0.0.0.0:18010", nil))
}
