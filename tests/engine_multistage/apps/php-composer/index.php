<?php
// needs: monolog/monolog
// needs: slim/slim
// ext: zip
require __DIR__ . '/vendor/autoload.php';
echo("php-app: listening on 8080");
