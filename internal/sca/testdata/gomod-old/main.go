// Command oldapp is a go 1.15 module whose go.sum still lists versions
// older than those it builds with (v1.0.0 of both libraries).
package main

import (
	"fmt"
	"os"

	"example.com/otherlib"
	"example.com/vulnlib"
)

func main() {
	fmt.Println(vulnlib.Parse(os.Getenv("X_LIST")))
	fmt.Println(otherlib.Safe(os.Args[0]))
}
