<?php
// needs: slim/slim
// reads: var/cache/routes.txt
require __DIR__ . '/vendor/autoload.php';
echo("php-app: routes warmed");
