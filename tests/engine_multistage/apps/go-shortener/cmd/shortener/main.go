package main

import "fmt"

func main() {
	fmt.Println("shortener: 0 links")
}
