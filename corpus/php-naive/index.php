<?php
require __DIR__ . '/vendor/autoload.php';

use App\Preview;

header('Content-Type: application/json');
$url = $_GET['url'] ?? '';
echo json_encode((new Preview())->fetch($url));
