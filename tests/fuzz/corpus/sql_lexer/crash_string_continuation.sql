SELECT 'a''b', E'x\'y', "q""r", $$d$$, $t$e$t$ -- c
/* a /* b */ */ B'01' U&'x' 'a'
'b';