// Command reachapp calls a vulnerable symbol of vulnlib, imports otherlib
// without calling its vulnerable symbol, and never imports unusedlib.
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
