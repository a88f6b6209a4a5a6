// gospin: one goroutine spins on a CPU, locked to its OS thread; holdup must show it running on that thread.
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

var counter uint64

func goid() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _ := strconv.ParseInt(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	return id
}

func spin(info chan<- [2]int64) {
	runtime.LockOSThread()
	info <- [2]int64{int64(syscall.Gettid()), goid()}
	for {
		counter++
	}
}

func main() {
	info := make(chan [2]int64)
	go spin(info)
	v := <-info
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("fact spin_tid %d\n", v[0])
	fmt.Printf("fact spin_goid %d\n", v[1])
	fmt.Printf("ready pid=%d\n", os.Getpid())
	for {
		time.Sleep(time.Hour)
	}
}
