package lib

import "net/http"

func init() { http.HandleFunc("/vendored", nil) }
