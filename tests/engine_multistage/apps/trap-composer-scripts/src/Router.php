<?php
namespace App;
final class Router {}
