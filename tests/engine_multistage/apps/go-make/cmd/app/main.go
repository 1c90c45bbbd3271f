package main

import "fmt"

func main() {
	fmt.Println("go-make: listening on 8080")
}
