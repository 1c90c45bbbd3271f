<?php
namespace App;

use GuzzleHttp\Client;
use Monolog\Handler\StreamHandler;
use Monolog\Logger;

final class Preview
{
    private Client $http;
    private Logger $log;

    public function __construct()
    {
        $this->http = new Client(['timeout' => 3]);
        $this->log = new Logger('preview');
        $this->log->pushHandler(new StreamHandler('php://stderr'));
    }

    public function fetch(string $url): array
    {
        $this->log->info('fetching', ['url' => $url]);
        $html = (string) $this->http->get($url)->getBody();
        preg_match('/<title>(.*?)<\/title>/si', $html, $m);
        return ['url' => $url, 'title' => trim($m[1] ?? '')];
    }
}
