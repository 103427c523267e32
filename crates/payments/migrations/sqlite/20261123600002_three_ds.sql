-- 3-D Secure: 'pending' while the card issuer's challenge waits for the citizen's answer;
-- NULL otherwise. The payment stays 'started' (Pay's external state) meanwhile.
ALTER TABLE pay_payments ADD COLUMN challenge TEXT;
