// gonodwarf: a Go program built without DWARF (-ldflags=-w); holdup must say so and still show threads.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

var mu sync.Mutex

func main() {
	mu.Lock()
	go func() { mu.Lock() }()
	time.Sleep(200 * time.Millisecond)
	fmt.Printf("fact dwarf none\n")
	fmt.Printf("ready pid=%d\n", os.Getpid())
	for {
		time.Sleep(time.Hour)
	}
}
