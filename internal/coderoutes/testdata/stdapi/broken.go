package main

func broken( {
	http.HandleFunc("/never", nil)
}
