require 'sinatra'
puts("trap: bundle config")
