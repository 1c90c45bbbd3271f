package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	addr := "localhost:80"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		fmt.Println("down:", err)
		os.Exit(1)
	}
	c.Close()
	fmt.Println("up in", time.Since(start))
}
