package main

// reads: /etc/app/app.conf

import "fmt"

func main() {
	fmt.Println("go-make: configured")
}
